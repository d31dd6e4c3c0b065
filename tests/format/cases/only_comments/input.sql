-- nothing here

   
